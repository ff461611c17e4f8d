"""awsconn.store"""
