"""awsconn.service"""
