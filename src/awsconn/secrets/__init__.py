"""awsconn.secrets"""
