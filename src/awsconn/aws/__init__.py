"""awsconn.aws"""
